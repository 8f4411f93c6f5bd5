# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cortex
version_added: 1.0.0
short_description: The tenants of a Cortex partner account, as an inventory
description:
  - Lists the tenants (clients) the partner account can see on Cortex as hosts, one per tenant, named by its code, with
    the host variable C(cortex_tenant) - C(code), C(name), C(primary_domain), C(domains), C(status), C(status_color),
    C(users) (how many), C(mailboxes) (how many per plan), C(exchange_version), C(exchange_status) and C(parent) (the
    code of the partner's own reseller customer).
  - Each host also gets C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}) - a
    play against the tenants runs the cloudforyou.cortex modules on the controller, with the Python that runs
    Ansible, which has C(requests) (the interpreter found on the controller may not). C(compose), C(host_vars) files
    or C(-e) override them (group variables do not, as an inventory's host variables take precedence over them).
  - Every host is in the group C(cortex_tenants). C(compose), C(groups) and C(keyed_groups) build more.
  - Requests are bounded by the number of tenants, not of users - one listing, then per tenant its detail, its Hosted
    Exchange service and its users with their mailboxes, O(concurrency) at a time.
  - The connection options are those of the modules, each also read from its C(CORTEX_*) environment variable (an AWX
    credential injects them).
  - With O(cache=true), the tenants are cached per Cortex URL and account (O(cortex_username)), and per O(codes) and
    O(with_users) - another account, or another URL, is never served a cached listing; the key is a hash of these and
    holds neither the password nor anything derived from it. Before cached tenants are served, one request checks
    that Cortex answers and accepts the account and its password, so a wrong password or an unreachable Cortex fails
    as it does without the cache. Cache files of a file-based cache plugin (such as C(ansible.builtin.jsonfile)) are
    readable by their owner only (mode C(0600)) and hold no secret.
  - The configuration file's name must end with C(cortex.yml) or C(cortex.yaml).
author: cloudforyou infra team (@cloudforyou)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - cloudforyou.cortex.cortex.inventory
options:
  plugin:
    description: The name of this plugin, to use it.
    type: str
    required: true
    choices: [cloudforyou.cortex.cortex]
  concurrency:
    description: How many requests are sent at once (1 to 64).
    type: int
    default: 8
  with_users:
    description:
      - Read each tenant's users to count them and their mailboxes per plan (one request per tenant where Cortex
        answers every user's detail at once). V(false) leaves out C(users) and C(mailboxes).
    type: bool
    default: true
  codes:
    description: Only these tenant codes (all the account can see when left out).
    type: list
    elements: str
"""

EXAMPLES = r"""
# inventory/cortex.yml - the connection from the CORTEX_* variables (an AWX credential injects them)
plugin: cloudforyou.cortex.cortex
keyed_groups:
  - key: cortex_tenant.exchange_version | default('none', true)
    prefix: exchange
groups:
  failed_tenants: cortex_tenant.status == 'Failed'
compose:
  mailbox_count: cortex_tenant.mailboxes.values() | sum
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/cortex-inventory
cache_timeout: 600
"""

import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleParserError
from ansible.plugins.cache import BaseFileCacheModule
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every string of a variable is a template
    def trust_as_template(value):
        return value

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexError, api_url, connection_warnings)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_connection import client_from_options
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import CortexAPI, with_color
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_clients import (
    partner_of, tenant_facts, without_partner)

display = Display()

GROUP = "cortex_tenants"
# The Python that runs Ansible (it has requests), for the cloudforyou.cortex modules run against a tenant host; a
# template on purpose (ansible-core 2.19 renders only the strings trusted as templates)
PLAYBOOK_PYTHON = "{{ ansible_playbook_python }}"
PRIVATE = 0o600


def private_file_cache(cache):
    """Make a file-based cache plugin (jsonfile, yaml, pickle...) write its files readable by their owner only.

    Their own ``set`` writes a temporary file and renames it, then (ansible-core 2.19) makes it readable by all (0644);
    this one writes it 0600 from the start, with no moment where others may open it. Other cache plugins are left as
    they are.
    """
    plugin = getattr(cache, "_plugin", None)
    while hasattr(plugin, "__wrapped__"):  # ansible-core 2.19 wraps it in a proxy that encodes keys and values
        plugin = plugin.__wrapped__
    if not isinstance(plugin, BaseFileCacheModule):
        return

    def set_private(key, value):
        plugin._cache[key] = value
        path = plugin._get_cache_file_name(key)
        try:
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path))  # 0600
            os.close(handle)
        except OSError as exc:
            display.warning("cloudforyou.cortex.cortex: the cache file cannot be written in %s: %s"
                            % (os.path.dirname(path), exc.strerror or exc))
            return
        try:
            plugin._dump(value, temporary)
            os.chmod(temporary, PRIVATE)
            os.rename(temporary, path)
        except OSError as exc:
            display.warning("cloudforyou.cortex.cortex: the cache file %s cannot be written: %s"
                            % (path, exc.strerror or exc))
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    plugin.set = set_private


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "cloudforyou.cortex.cortex"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("cortex.yml", "cortex.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.account_cache_key()
        use_cache = self.get_option("cache") and cache
        if self.get_option("cache"):
            private_file_cache(self._cache)
        found = None
        if use_cache:
            try:
                found = self._cache[cache_key]
            except KeyError:
                found = None
        try:
            api = CortexAPI(self.client())
            if found is None:
                found = self.read(api)
                if self.get_option("cache"):
                    self._cache[cache_key] = found
            else:
                self.check_account(api, found)
        except CortexError as exc:
            raise AnsibleParserError("cloudforyou.cortex.cortex: %s" % exc.message)
        self.populate(found)

    def client(self):
        for warning in connection_warnings(self.get_option("cortex_url"), self.get_option("validate_certs")):
            display.warning(warning)
        return client_from_options(self.get_option, pool_size=self.workers())

    def workers(self):
        return max(1, min(self.get_option("concurrency") or 8, 64))

    def account_cache_key(self):
        """The cache key of what is read: the Cortex URL, the account and the options that change the listing (never
        the password, nor anything made from it), as a hash - the account's name is not spelt in the file's name."""
        codes = self.get_option("codes")
        identity = json.dumps([api_url(self.get_option("cortex_url")), self.get_option("cortex_username"),
                               sorted(set(code.casefold() for code in codes)) if codes else None,
                               bool(self.get_option("with_users"))], sort_keys=True, ensure_ascii=True)
        return "%s_%s" % (self.NAME, hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32])

    def check_account(self, api, found):
        """Before cached tenants are served: one request, which Cortex answers only to the account with its password
        (the cache key holds no password); an unreachable Cortex fails as it does without the cache."""
        api.find_tenants(code=found[0]["code"] if found else None)

    def read(self, api):
        listed = api.find_tenants()
        partner = partner_of(listed)  # the partner's own customer: never a host, also with no client yet
        wanted = self.get_option("codes")
        if wanted:
            folded = set(code.casefold() for code in wanted)
            listed = [t for t in listed if t["code"].casefold() in folded]
        with_users = self.get_option("with_users")
        with ThreadPoolExecutor(max_workers=self.workers()) as pool:
            found = list(pool.map(lambda summary: tenant_facts(api, summary["code"], with_users), listed))
        return without_partner(found, partner)

    def populate(self, found):
        self.inventory.add_group(GROUP)
        strict = self.get_option("strict")
        for tenant in found:
            host = tenant["code"]
            self.inventory.add_host(host, group=GROUP)
            self.inventory.set_variable(host, "ansible_connection", "local")
            self.inventory.set_variable(host, "ansible_python_interpreter", trust_as_template(PLAYBOOK_PYTHON))
            self.inventory.set_variable(host, "cortex_tenant", with_color(dict(tenant)))
            variables = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
