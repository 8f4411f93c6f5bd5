"""HTTP transport, authentication and hostile input (docs/protocol.md §1-3)."""

from __future__ import annotations

import base64
import concurrent.futures
import http.client
import socket
import time
import xml.etree.ElementTree as ET

import requests

from conftest import PARTNER, Answer

FIND_ALL = b'<?xml version="1.0" encoding="utf-8"?><request action="FIND" version="1.0"><customer/></request>'


def post(emulator, body, auth=PARTNER, path=None, headers=None, timeout=10):
    url = emulator.url if path is None else emulator.base + path
    return requests.post(url, data=body, auth=auth, headers=headers, timeout=timeout)


def assert_bad_request(response, started=None):
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "response" and root.get("version") == "1.0"
    assert root.findtext("error/id") == "BadRequest"
    assert root.findtext("error/message")
    if started is not None:
        assert time.monotonic() - started < 5


# ---------------------------------------------------------------- endpoint

def test_post_answers_xml_with_declaration_and_indentation(emulator):
    r = post(emulator, FIND_ALL)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    assert r.text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')


def test_path_is_case_insensitive(emulator):
    r = post(emulator, FIND_ALL, path="/CortexAPI/Default.aspx")
    assert r.status_code == 200


def test_get_on_endpoint_is_405_with_allow_post(emulator):
    r = requests.get(emulator.url, auth=PARTNER, timeout=5)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


def test_unknown_path_is_404(emulator):
    assert requests.post(emulator.base + "/cortexapi/other.aspx", data=FIND_ALL, auth=PARTNER).status_code == 404


def test_any_content_type_is_accepted(emulator):
    for ctype in ("application/xml", "text/xml; charset=utf-8", "application/octet-stream", None):
        headers = {"Content-Type": ctype} if ctype else {}
        assert post(emulator, FIND_ALL, headers=headers).status_code == 200


def test_utf8_bom_is_tolerated(emulator):
    assert post(emulator, b"\xef\xbb\xbf" + FIND_ALL).status_code == 200


def test_action_is_case_insensitive_and_trace_ignored(emulator):
    body = b'<request action="find" version="1.0" trace="true"><customer/></request>'
    r = post(emulator, body)
    assert r.status_code == 200
    assert ET.fromstring(r.content).tag == "response"


def test_unknown_elements_are_ignored(emulator):
    body = b'<request action="FIND" version="1.0"><whatever>x</whatever><customer><nonsense/></customer></request>'
    assert post(emulator, body).status_code == 200


def test_keep_alive_reuses_one_connection(emulator):
    conn = http.client.HTTPConnection("127.0.0.1", emulator.info["port"], timeout=5)
    auth = "Basic " + base64.b64encode(b"demo-partner:DemoPartner2026").decode()
    conn.connect()
    sock = conn.sock
    for _ in range(5):
        conn.request("POST", "/cortexapi/default.aspx", body=FIND_ALL, headers={"Authorization": auth})
        response = conn.getresponse()
        assert response.status == 200
        response.read()
        assert conn.sock is sock  # same TCP connection every time
    conn.close()


def test_concurrent_clients(emulator):
    def one(_):
        with requests.Session() as s:
            s.auth = PARTNER
            return [s.post(emulator.url, data=FIND_ALL, timeout=10).status_code for _ in range(10)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = [code for codes in pool.map(one, range(8)) for code in codes]
    assert results == [200] * 80


# ---------------------------------------------------------------- authentication

def test_no_credentials_is_401_with_basic_challenge_and_non_xml_body(emulator):
    r = requests.post(emulator.url, data=FIND_ALL, timeout=5)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Basic realm="CortexAPI"'
    assert not r.content.lstrip().startswith(b"<")
    assert "xml" not in r.headers["content-type"]


def test_wrong_password_is_401(emulator):
    r = post(emulator, FIND_ALL, auth=("demo-partner", "wrong"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Basic realm="CortexAPI"'


def test_unknown_user_and_garbage_header_are_401(emulator):
    assert post(emulator, FIND_ALL, auth=("nobody", "DemoPartner2026")).status_code == 401
    r = requests.post(emulator.url, data=FIND_ALL, headers={"Authorization": "Basic !!!notbase64"}, timeout=5)
    assert r.status_code == 401
    r = requests.post(emulator.url, data=FIND_ALL, headers={"Authorization": "Bearer abc"}, timeout=5)
    assert r.status_code == 401


def test_good_credentials_after_a_cached_success_still_checked(emulator):
    assert post(emulator, FIND_ALL).status_code == 200
    assert post(emulator, FIND_ALL).status_code == 200  # served from the credential cache
    assert post(emulator, FIND_ALL, auth=("demo-partner", "DemoPartner2026x")).status_code == 401


# ---------------------------------------------------------------- hostile and malformed input

def test_malformed_xml_is_400(emulator):
    started = time.monotonic()
    assert_bad_request(post(emulator, b"<request action='FIND'><customer></request>"), started)
    assert_bad_request(post(emulator, b"not xml at all"), started)
    assert_bad_request(post(emulator, b""), started)
    assert_bad_request(post(emulator, b"\xff\xfe\x00garbage"), started)


def test_billion_laughs_is_400_quickly(emulator):
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b']><request action="FIND" version="1.0"><customer><name>&lol9;</name></customer></request>')
    started = time.monotonic()
    assert_bad_request(post(emulator, lol), started)


def test_external_entity_is_400(emulator, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<request action="FIND" version="1.0"><customer><name>&x;</name></customer></request>').encode()
    r = post(emulator, body)
    assert_bad_request(r)
    assert "TOPSECRET" not in r.text


def test_plain_doctype_is_400(emulator):
    assert_bad_request(post(emulator, b'<!DOCTYPE request><request action="FIND" version="1.0"><customer/></request>'))


def test_oversize_body_is_400(emulator):
    big = b'<request action="FIND" version="1.0"><customer/>' + b"<x>" + b"a" * (16 * 1024 * 1024) + b"</x></request>"
    started = time.monotonic()
    assert_bad_request(post(emulator, big, timeout=30), started)


def test_oversize_chunked_body_is_400(emulator):
    def chunks():
        yield b'<request action="FIND" version="1.0"><customer/><x>'
        for _ in range(17):
            yield b"a" * (1024 * 1024)
        yield b"</x></request>"

    try:
        r = requests.post(emulator.url, data=chunks(), auth=PARTNER, timeout=30)
    except requests.ConnectionError:
        return  # the server may close while we still send; it must not have answered 200
    assert_bad_request(r)


def test_wrong_root_unknown_action_and_no_target_are_400(emulator):
    assert_bad_request(post(emulator, b'<query action="FIND" version="1.0"><customer/></query>'))
    assert_bad_request(post(emulator, b'<request action="PATCH" version="1.0"><customer/></request>'))
    assert_bad_request(post(emulator, b'<request version="1.0"><customer/></request>'))
    assert_bad_request(post(emulator, b'<request action="FIND" version="1.0"><tenant/></request>'))


def test_deeply_nested_document_is_handled(emulator):
    body = b'<request action="FIND" version="1.0"><customer/>' + b"<a>" * 50000 + b"</a>" * 50000 + b"</request>"
    started = time.monotonic()
    r = post(emulator, body)
    assert r.status_code in (200, 400)
    assert time.monotonic() - started < 5


def test_server_survives_a_client_that_hangs_up_mid_body(emulator):
    sock = socket.create_connection(("127.0.0.1", emulator.info["port"]))
    auth = base64.b64encode(b"demo-partner:DemoPartner2026")
    sock.sendall(b"POST /cortexapi/default.aspx HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth
                 + b"\r\nContent-Length: 1000\r\n\r\n<request")
    sock.close()
    assert post(emulator, FIND_ALL).status_code == 200


def test_error_body_shape(emulator):
    answer = Answer(post(emulator, b"<oops"))
    error = answer.root.find("error")
    assert [c.tag for c in error] == ["id", "message"]
