"""A server that accepts connections and drips an answer, one byte every 0.3 s, for ever (writes its port to argv[1])."""
import socket
import sys
import threading
import time


def drip(conn):
    try:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n")
        while True:
            conn.sendall(b" ")
            time.sleep(0.3)
    except OSError:
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
with open(sys.argv[1], "w") as handle:
    handle.write(str(listener.getsockname()[1]))
while True:
    connection, dummy = listener.accept()
    threading.Thread(target=drip, args=(connection,), daemon=True).start()
