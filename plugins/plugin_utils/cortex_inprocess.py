# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module of the collection inside the controller's worker process, instead of as a module run.

A module run builds an AnsiballZ payload, starts a Python interpreter that unpacks and imports it, and parses its
JSON output: 0.3-0.8 s a task, for a few HTTP requests. When the task's connection is ``local``, the module would run
on the controller anyway; so the action plugin (``cortex_action.py``) runs the module file's ``run(module)`` right
here, with :class:`InProcessCortexModule` in place of AnsibleModule, and returns what a module run returns:

- the arguments as a module receives them (JSON, vaulted values as text), validated by ``ArgumentSpecValidator`` with
  the module's ``SPEC``: the same defaults, environment fallbacks, aliases, conversions and failure messages;
- ``exit_json``/``fail_json`` raise :class:`ModuleExit` (a BaseException, as SystemExit is) with the result, which
  gets what AnsibleModule adds: ``invocation.module_args``, ``warnings``, ``deprecations``, every ``no_log`` value
  masked with ``remove_values``;
- an exception of the module's code is a failed result with its traceback in ``exception``, not a dead worker;
- the result goes through JSON as a module's output does (lists, string keys); with ansible-core 2.16-2.18 it is
  marked unsafe (``wrap_var``) as ``_execute_module`` marks a module's; 2.19 never treats such strings as templates.
  When the task asks for ``packed`` lists, they are packed first, masked as they are (:func:`run_module`).

Nothing here uses a private API of ansible-core. Each task runs in its own forked worker process, and this state
(warnings, deprecations) lives on the module object, never in ``ansible.module_utils.common.warnings``.

The worker process holds everything the task was given: with a client of 10,000 users, millions of objects. A module
run allocates enough to start Python's full garbage collections, and each one walks all of them again: 2 s of a
10,000-user onboarding. :func:`run_module` therefore sets the objects that exist before the run aside from the
collector (``gc.freeze``) for the run's length; what the run makes is collected as usual, and the objects set aside are
handed back to the collector afterwards (``gc.unfreeze``), in a worker process that ends with the task anyway.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import gc
import importlib
import json
import os
import sys
import traceback

from ansible import constants as C

from ansible.module_utils.basic import PASSWORD_MATCH
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.utils.display import Display

try:  # ansible-core 2.19+: the encoder of a module's arguments, by profile
    from ansible.module_utils.common.json import Direction, get_module_encoder
    ARGS_ENCODER = get_module_encoder("legacy", Direction.CONTROLLER_TO_MODULE)
    ARGS_ENCODER_OPTIONS = {}
except ImportError:  # 2.16-2.18
    from ansible.module_utils.common.json import AnsibleJSONEncoder as ARGS_ENCODER
    ARGS_ENCODER_OPTIONS = dict(vault_to_text=True)

try:  # ansible-core 2.19+ (data tagging): a string that code made is never a template; nothing to mark
    from ansible.module_utils import datatag  # noqa: F401 pylint: disable=unused-import
    wrap_var = None
    DATA_TAGGING = True
except ImportError:  # 2.16-2.18: _execute_module marks a module's whole result unsafe
    from ansible.utils.unsafe_proxy import wrap_var
    DATA_TAGGING = False

from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_results as results
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import HAS_REQUESTS
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import (
    FEW_SECRETS, CortexModuleMixin, no_log_values, occurring_in_result)

COLLECTION = "cloudforyou.cortex."
MODULES_PACKAGE = "ansible_collections.cloudforyou.cortex.plugins.modules."
SWITCH = "CORTEX_IN_PROCESS"
SWITCHED_OFF = ("0", "false", "no", "off")
# What AnsibleModule turns into deprecations that this module does not mirror: a module whose spec uses them runs as
# a module run.
UNMIRRORED_OPTION_KEYS = ("removed_in_version", "removed_at_date", "deprecated_aliases")


class ModuleExit(BaseException):
    """``exit_json``/``fail_json`` of an in-process module, carrying the result. A BaseException, as SystemExit: the
    module code's ``except Exception`` does not stop it (in a ThreadPoolExecutor, ``map`` raises it again)."""

    def __init__(self, result):
        super(ModuleExit, self).__init__("module exit")
        self.result = result


def module_tracebacks():
    """Whether a module run's ``fail_json`` puts a traceback in the result, as the controller tells the module:
    with ansible-core 2.19+ when tracebacks of errors are on (DISPLAY_TRACEBACK), before with -vvv or DEBUG."""
    if DATA_TAGGING:
        events = C.config.get_config_value("DISPLAY_TRACEBACK") or []
        return "error" in events or "always" in events
    return bool(C.DEFAULT_DEBUG) or Display().verbosity >= 3


def unmirrored(spec):
    """Whether an option (or suboption) declares a deprecation, which AnsibleModule reports and this module does not."""
    return any(any(option.get(key) for key in UNMIRRORED_OPTION_KEYS) or unmirrored(option.get("options") or {})
               for option in spec.values())


class InProcessModule(object):
    """What the collection's module code uses of AnsibleModule, for a run in the controller's worker process:
    ``params``, ``check_mode``, ``_diff``, ``argument_spec``, ``no_log_values``, ``warn``, ``deprecate``,
    ``exit_json`` and ``fail_json`` (which raise :class:`ModuleExit`)."""

    def __init__(self, argument_spec, mutually_exclusive=None, required_together=None, required_one_of=None,
                 required_if=None, required_by=None, supports_check_mode=False, no_log=False,
                 module_name="module", module_args=None, check_mode=False, diff=False, tracebacks=False):
        self._name = module_name
        self._tracebacks = tracebacks
        self.argument_spec = argument_spec
        self.supports_check_mode = supports_check_mode
        self.no_log = no_log
        self.check_mode = bool(check_mode)
        self._diff = bool(diff)
        self.no_log_values = set()
        self._warnings = []
        self._deprecations = []
        given = dict(module_args or {})
        validator = ArgumentSpecValidator(argument_spec, mutually_exclusive, required_together, required_one_of,
                                          required_if, required_by)
        validation = validator.validate(given)
        self.params = validation.validated_parameters
        self.no_log_values = no_log_values(argument_spec, self.params)
        for name, option in argument_spec.items():  # the warning AnsibleModule's validation gives
            for alias in option.get("aliases") or []:
                if alias in given and name in given:
                    self.warn("Both option %s and its alias %s are set." % (name, alias))
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (module_name, msg)
            self.fail_json(msg=msg)
        if self.check_mode and not supports_check_mode:
            self.exit_json(skipped=True, msg="remote module (%s) does not support check mode" % module_name)
        if not no_log:
            self._warn_unmarked_passwords()

    def _warn_unmarked_passwords(self):
        """AnsibleModule's warning for an option named like a password without a ``no_log`` of its own."""
        canonical = dict((alias, name) for name, option in self.argument_spec.items()
                         for alias in option.get("aliases") or [])
        for name in self.params:
            option = self.argument_spec.get(canonical.get(name, name)) or {}
            if option.get("no_log") is None and PASSWORD_MATCH.search(name):
                self.warn("Module did not set no_log for %s" % name)

    def warn(self, warning, *args, **kwargs):
        warning = str(warning)
        if warning not in self._warnings:
            self._warnings.append(warning)

    def deprecate(self, msg, version=None, date=None, collection_name=None, *args, **kwargs):
        deprecation = dict(msg=str(msg), collection_name=collection_name)
        if date is not None:
            deprecation["date"] = date
        else:
            deprecation["version"] = version
        self._deprecations.append(deprecation)

    def message_texts(self):
        return list(self._warnings) + [str(d) for d in self._deprecations]

    def exit_json(self, **kwargs):
        self._exit(kwargs)

    def fail_json(self, msg, **kwargs):
        """The failure, with the traceback AnsibleModule would give: the one passed as ``exception`` (dropped by
        2.19+ unless tracebacks are on), else, when tracebacks are on, the one of the exception being handled."""
        kwargs.update(failed=True, msg=str(msg))
        exception = kwargs.get("exception")
        if isinstance(exception, BaseException):
            exception = "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
        if exception is None and self._tracebacks and sys.exc_info()[2] is not None:
            exception = "".join(traceback.format_tb(sys.exc_info()[2]))
        kwargs.pop("exception", None)
        if exception is not None and (self._tracebacks or not DATA_TAGGING):
            kwargs["exception"] = exception
        self._exit(kwargs)

    def _exit(self, result):
        """What AnsibleModule's exit does to a result: the invocation, the warnings and deprecations, the masking
        (None and booleans at the top level kept as they are)."""
        if "invocation" not in result:
            result["invocation"] = {"module_args": self.params}
        if self._warnings:
            result["warnings"] = list(self._warnings)
        if self._deprecations:
            result["deprecations"] = list(self._deprecations)
        if self.no_log_values:  # (with none, Ansible's masking would copy the result and change nothing)
            kept = dict((key, value) for key, value in result.items() if value is None or isinstance(value, bool))
            result = remove_values(result, self.no_log_values)
            result.update(kept)
        raise ModuleExit(result)


class InProcessCortexModule(CortexModuleMixin, InProcessModule):
    """The Cortex module (``CortexModule``'s logic) on :class:`InProcessModule`. ``pack_lists``: the task asks for
    its bulk lists as texts (``packed``)."""

    pack_lists = False

    def message_texts(self):
        return InProcessModule.message_texts(self)

    def _occurring_secrets(self, result):
        """With ``pack_lists``, a few secrets are looked for in the packed texts, which are needed anyway, rather than
        in a JSON text of every object written for the search alone (a third of a second for 20,000 jobs); many
        secrets (the passwords of a bulk list) in the strings of the lists, as before, the shorter pass.

        A secret inside a string of a list is inside that string's packed text as JSON writes the secret (JSON
        escapes text one character at a time), so both forms are looked for. When none occurs, there is nothing to
        mask and the packed result is the one returned. When one does, the lists are masked first, as Ansible masks
        them, and packed after (:func:`early_packed`): a secret that JSON escapes would not be found in a text by
        the masking."""
        in_lists = CortexModuleMixin._occurring_secrets
        if not self.pack_lists:
            return in_lists(self, result)
        packed = early_packed(dict(result))
        if any(key in packed for key in results.PACKED_LISTS):  # not packed now: masked, then packed after
            return in_lists(self, result)
        if len(self.no_log_values) >= FEW_SECRETS:
            found = in_lists(self, result)
        else:
            forms = set(self.no_log_values)
            forms.update(json.dumps(secret)[1:-1] for secret in self.no_log_values if isinstance(secret, str))
            found = in_lists(self, result) if occurring_in_result(forms, packed, self.message_texts()) else set()
        if not found:
            result.clear()
            result.update(packed)
        return found


def module_file(module_name):
    """The collection's module file for a task's resolved action, or None (another collection's, or not found)."""
    if not module_name.startswith(COLLECTION) or "." in module_name[len(COLLECTION):]:
        return None
    try:
        module = importlib.import_module(MODULES_PACKAGE + module_name[len(COLLECTION):])
    except Exception:  # pylint: disable=broad-except
        return None  # a module run then shows what fails, on the host where it runs
    return module if hasattr(module, "SPEC") and hasattr(module, "run") else None


def refusal(task, connection, play_context, module_name):
    """Why the task cannot run its module in-process (a phrase), or None: it can.

    In-process only when the module would run on the controller anyway, as the controller's user, in the
    controller's environment: the connection is ``local`` (also ``delegate_to: localhost`` with the implicit
    localhost), no ``become``, no ``async``, no task ``environment``; the module's Python imports work here; and
    ``CORTEX_IN_PROCESS`` is not ``0``.
    """
    switch = os.environ.get(SWITCH, "").strip().lower()
    if switch in SWITCHED_OFF:
        return "%s=%s" % (SWITCH, os.environ[SWITCH])
    transport = getattr(connection, "transport", None)
    if transport != "local":
        return "connection %s" % transport
    if getattr(play_context, "become", False) or getattr(task, "become", False):
        return "become"
    if getattr(task, "async_val", 0):
        return "async"
    environment = getattr(task, "environment", None) or []
    if not isinstance(environment, list):
        environment = [environment]
    if any(environment):
        return "the task sets environment variables"
    if not HAS_REQUESTS:
        return "requests is missing in the controller's Python"
    module = module_file(module_name)
    if module is None:
        return "not a module of this collection, or its imports fail on the controller"
    if unmirrored(module.SPEC.get("argument_spec") or {}):
        return "its argument spec declares deprecations"
    return None


def plain(value):
    """The arguments as a module receives them: JSON data, vaulted values as their text, no tags nor unsafe marks."""
    return json.loads(json.dumps(value, cls=ARGS_ENCODER, **ARGS_ENCODER_OPTIONS))


def _jsonable(value):
    """What a module's JSON output makes of a set or a date."""
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    raise TypeError("a module result holds a value that is not JSON data")


def crash_result(exc, secrets):
    """A failed result for an exception of the module code, as a module run's crash gives (traceback in
    ``exception``), masked."""
    message = str(exc) or "unexpected error"
    result = dict(failed=True, msg="Module failed: %s" % message,
                  exception="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return remove_values(result, secrets)


def run_module(module, module_name, module_args, check_mode=False, diff=False, packed=False):
    """Run a module file's ``run`` here with the task's arguments; returns the result a module run returns. The
    objects that exist before are kept out of the garbage collector's full passes while it runs (see the module's
    docstring).

    ``packed``: the result's bulk lists as the action plugin packs them (``cortex_results.pack``), packed before the
    result goes through JSON: the same texts, without writing and reading every object of the lists once more (a
    third of a second for 20,000 jobs). A result that waits on (``WAIT_KEY``) is left as it is: the action plugin
    settles its lists first."""
    if gc.get_freeze_count():  # a run within a run: the outer one has set them aside
        return _run_module(module, module_name, module_args, check_mode, diff, packed)
    gc.freeze()
    try:
        return _run_module(module, module_name, module_args, check_mode, diff, packed)
    finally:
        gc.unfreeze()


def early_packed(result):
    """The result with its bulk lists packed (a copy), or the result as it is: one that waits on, or that JSON
    cannot write as the packing writes it (keys JSON sorts only once they are texts), which then goes through JSON
    first and is packed by the action plugin, as a module run's result is."""
    if result.get("skipped") or results.WAIT_KEY in result:
        return result
    try:
        return results.pack(dict(result), default=_jsonable)
    except (TypeError, ValueError):
        return result


def _run_module(module, module_name, module_args, check_mode, diff, packed):
    spec = dict(module.SPEC, module_name=module_name, check_mode=check_mode, diff=diff, tracebacks=module_tracebacks())
    instance = InProcessCortexModule.__new__(InProcessCortexModule)
    instance.no_log_values = set()  # read by crash_result if __init__ itself fails before setting it
    instance.pack_lists = packed
    try:
        spec["module_args"] = plain(module_args)
        instance.__init__(**spec)
        module.run(instance)
        result = dict(failed=True, msg="Module failed: the module ended without exit_json or fail_json")
    except ModuleExit as done:
        result = done.result
    except Exception as exc:  # pylint: disable=broad-except
        result = crash_result(exc, instance.no_log_values)
    if packed:
        result = early_packed(result)
    try:
        result = json.loads(json.dumps(result, default=_jsonable))
    except (TypeError, ValueError) as exc:
        result = crash_result(exc, instance.no_log_values)
    for key in ("warnings", "deprecations"):
        if key in result and not result[key]:
            del result[key]
    return wrap_var(result) if wrap_var is not None else result
