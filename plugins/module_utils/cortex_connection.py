# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the connection to Cortex, declared once for the modules, their action plugins and the inventory.

From ``OPTIONS`` come:

* ``CONNECTION_SPEC``, the modules' argument spec (environment variables as ``env_fallback``);
* ``OPTION_NAMES``, the options an action plugin passes on to the modules it runs (cortex_wait);
* ``doc_options(form)``, the connection options of the doc fragment ``cloudforyou.cortex.cortex`` (``module``: the
  environment variables named in the description, as a module's documentation does) and of its section
  ``cloudforyou.cortex.cortex.inventory`` (``inventory``: ``env`` entries, read by Ansible's configuration system).
  The fragments are static text, rendered by tools/render_doc_fragments.py; a unit test fails when they drift;
* ``client_from_options(get_option)``, the API client built from the options, by the inventory (``self.get_option``)
  and, if they wish, the modules (``module.params.get``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    HAS_REQUESTS, CortexClient, CortexError)

# Each option: name, type, default, required, choices, no_log, env (one variable or None), description (the lines
# every form shows), and lines only the module form or only the inventory form adds.
OPTIONS = (
    dict(name="cortex_url", type="str", required=True, env="CORTEX_URL", description=[
        "Base URL of the Cortex partner console, for example V(https://admin.cloudforyou.fr).",
        "The API path C(/cortexapi/default.aspx) is appended unless the URL already ends with it."]),
    dict(name="cortex_username", type="str", required=True, env="CORTEX_USERNAME", description=[
        "Login of a Cortex account with API access (a partner account, or a customer user holding the C(API User) "
        "role).",
        "Passed to the server verbatim."]),
    dict(name="cortex_password", type="str", required=True, no_log=True, env="CORTEX_PASSWORD", description=[
        "Password of O(cortex_username). Keep it in Ansible Vault or an AWX credential."]),
    dict(name="validate_certs", type="bool", default=True, env="CORTEX_VALIDATE_CERTS", description=[
        "Verify the server's TLS certificate. Only set to V(false) against a test server."]),
    dict(name="ca_path", type="path", env="CORTEX_CA_PATH", description=[
        "PEM file of the certificate authorities to trust instead of the system ones."]),
    dict(name="timeout", type="int", default=30, description=[
        "Deadline in seconds of each HTTP exchange - connecting, sending, and receiving the whole answer. A server "
        "that sends its answer slowly is cut off when it passes.",
        "Reads that fail with a server error or a timeout are retried with backoff (see O(retry_timeout)); writes are "
        "retried only when the server certainly did nothing, otherwise the object is read again first."]),
    dict(name="retry_timeout", type="int", default=60, description=[
        "How long, in seconds and in all, a read that fails is retried (with backoff, honouring C(Retry-After)).",
        "Also the circuit breaker - once Cortex has given no answer at all for this long, the remaining requests fail "
        "at once with one message instead of each retrying on its own."]),
    dict(name="auth", type="str", default="basic", choices=["basic", "ntlm"], description=[
        "How to authenticate. V(basic) sends pre-emptive HTTP Basic authentication (use HTTPS)."],
        module_description=["V(ntlm) needs the Python library C(requests_ntlm) on the host that runs the module."],
        inventory_description=["V(ntlm) needs the Python library C(requests_ntlm) on the controller."]),
)

OPTION_NAMES = tuple(option["name"] for option in OPTIONS)
REQUIREMENTS = ["python >= 3.9", "requests >= 2.25"]
FORMS = ("module", "inventory")


def argument_spec():
    """The modules' argument spec of the connection options."""
    spec = {}
    for option in OPTIONS:
        entry = dict(type=option["type"])
        for key in ("required", "default", "choices", "no_log"):
            if option.get(key) is not None:
                entry[key] = option[key]
        if option.get("env"):
            entry["fallback"] = (env_fallback, [option["env"]])
        spec[option["name"]] = entry
    return spec


CONNECTION_SPEC = argument_spec()


def doc_options(form="module"):
    """The documentation of the connection options (a dict of option name to its doc), for a module or the inventory.
    For tools/render_doc_fragments.py, which writes it into plugins/doc_fragments/cortex.py."""
    if form not in FORMS:
        raise ValueError("form must be one of %s" % ", ".join(FORMS))
    docs = {}
    for option in OPTIONS:
        description = list(option["description"]) + list(option.get(form + "_description") or [])
        doc = dict(type=option["type"])
        for key in ("required", "default", "choices"):
            if option.get(key) is not None:
                doc[key] = option[key]
        if option.get("env"):
            if form == "module":
                default = " (else V(%s))" % str(option["default"]).lower() if option.get("default") is not None else ""
                description.append("If not set, the value of the E(%s) environment variable is used%s."
                                   % (option["env"], default))
            else:
                doc["env"] = [dict(name=option["env"])]
        doc["description"] = description
        docs[option["name"]] = doc
    return docs


def client_from_options(get_option, pool_size=8):
    """The API client of the connection options, read with ``get_option(name)`` (an inventory plugin's
    ``self.get_option``, a module's ``self.params.get``). Raises CortexError when it cannot be built."""
    if not HAS_REQUESTS:
        raise CortexError("the Python library requests is needed on the host that talks to Cortex (pip install "
                          "requests)")
    retry_timeout = get_option("retry_timeout")
    return CortexClient(get_option("cortex_url"), get_option("cortex_username"), get_option("cortex_password"),
                        validate_certs=get_option("validate_certs"), ca_path=get_option("ca_path"),
                        timeout=get_option("timeout"), auth=get_option("auth") or "basic", pool_size=pool_size,
                        retry_budget=retry_timeout, unreachable_after=retry_timeout)
