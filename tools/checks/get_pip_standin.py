# cloudforyou.cortex get-pip stand-in v2 (copied by tools/checks/common.sh)
"""Stand-in for get-pip.py: install pip from a wheel on disk, with the arguments ansible-test passes.

ansible-test downloads get-pip.py from a host this machine cannot reach; tools/checks/common.sh (seed_get_pip)
copies this file into its cache as get_pip_<version>.py, beside a get_pip_wheels/ directory holding the pip wheel.
The pip version is read from this file's name.
"""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WHEELS = os.path.join(HERE, 'get_pip_wheels')
VERSION = os.path.splitext(os.path.basename(__file__))[0][len('get_pip_'):].replace('_', '.')


def main():
    found = sorted(glob.glob(os.path.join(WHEELS, 'pip-%s-*.whl' % VERSION)))
    if not found:
        sys.exit('get-pip stand-in: no pip %s wheel in %s' % (VERSION, WHEELS))
    sys.path.insert(0, found[-1])  # run pip from its own wheel, as get-pip.py does
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
    return pip_main(['install', '--no-index', '--find-links', WHEELS] + args)


if __name__ == '__main__':
    sys.exit(main())
