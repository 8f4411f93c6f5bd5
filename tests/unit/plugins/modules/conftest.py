# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module in-process with its arguments, and faking the CortexAPI it talks to."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cloudforyou.cortex.tests.unit.compat import patch_module_args

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_engine, cortex_module, cortex_poll

CONNECTION = dict(cortex_url="http://cortex.test", cortex_username="partner", cortex_password="partner-secret-1")


@pytest.fixture
def use_api(monkeypatch):
    """Install a fake CortexAPI (an object with the CortexAPI methods a test needs) for the modules, in a module run
    and in-process; no sleeping."""
    def use(fake):
        # a fake answers each read when it is made: reads sent ahead are the client's (test_cortex_client.py)
        for name, method in (("read_ahead", lambda reads, parallel: None), ("drop_kept", lambda: None)):
            if not hasattr(fake, name):
                setattr(fake, name, method)
        monkeypatch.setattr(cortex_module.CortexModuleMixin, "api", property(lambda self: fake))
        for module in (cortex_module, cortex_engine, cortex_poll):
            monkeypatch.setattr(module.time, "sleep", lambda seconds: None)
        return fake
    return use


@pytest.fixture
def run_module(capsys):
    """``run_module(module, args, check_mode, diff)`` runs ``module.main()`` on tenant BMS (``tenant=None``: no tenant option); returns (result, output)."""
    def run(module, args, check_mode=False, diff=False):
        args = dict(CONNECTION, **args)
        args.setdefault("tenant", "BMS")
        if args["tenant"] is None:  # a module without the option (cortex_tenant)
            del args["tenant"]
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        out = capsys.readouterr().out
        return json.loads(out), out
    return run
