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
    C(ansible_connection=local) and the host variable C(cortex_tenant) - C(code), C(name), C(primary_domain),
    C(domains), C(status), C(status_color), C(users) (how many), C(mailboxes) (how many per plan),
    C(exchange_version), C(exchange_status) and C(parent) (the code of the partner's own reseller customer).
  - Every host is in the group C(cortex_tenants). C(compose), C(groups) and C(keyed_groups) build more.
  - Requests are bounded by the number of tenants, not of users - one listing, then per tenant its detail, its Hosted
    Exchange service and its users with their mailboxes, O(concurrency) at a time.
  - The configuration file's name must end with C(cortex.yml) or C(cortex.yaml).
author: cloudforyou infra team (@cloudforyou)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin, to use it.
    type: str
    required: true
    choices: [cloudforyou.cortex.cortex]
  cortex_url:
    description:
      - Base URL of the Cortex partner console; the API path C(/cortexapi/default.aspx) is appended.
    type: str
    required: true
    env:
      - name: CORTEX_URL
  cortex_username:
    description: Login of a Cortex account with API access.
    type: str
    required: true
    env:
      - name: CORTEX_USERNAME
  cortex_password:
    description: Password of O(cortex_username). Keep it in Ansible Vault or an AWX credential.
    type: str
    required: true
    env:
      - name: CORTEX_PASSWORD
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
    env:
      - name: CORTEX_VALIDATE_CERTS
  ca_path:
    description: PEM file of the certificate authorities to trust instead of the system ones.
    type: path
    env:
      - name: CORTEX_CA_PATH
  timeout:
    description: Deadline in seconds of each HTTP exchange.
    type: int
    default: 30
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
  - key: cortex_tenant.exchange_version | default('none')
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

from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import (
    CortexClient, CortexError, connection_warnings)
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_protocol import CortexAPI, with_color
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_clients import tenant_facts, without_partner

GROUP = "cortex_tenants"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "cloudforyou.cortex.cortex"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("cortex.yml", "cortex.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        found = None
        if use_cache:
            try:
                found = self._cache[cache_key]
            except KeyError:
                found = None
        if found is None:
            try:
                found = self.read()
            except CortexError as exc:
                raise AnsibleParserError("cloudforyou.cortex.cortex: %s" % exc.message)
            if self.get_option("cache"):
                self._cache[cache_key] = found
        self.populate(found)

    def read(self):
        client = CortexClient(self.get_option("cortex_url"), self.get_option("cortex_username"),
                              self.get_option("cortex_password"), validate_certs=self.get_option("validate_certs"),
                              ca_path=self.get_option("ca_path"), timeout=self.get_option("timeout"),
                              pool_size=self.get_option("concurrency"))
        for warning in connection_warnings(self.get_option("cortex_url"), self.get_option("validate_certs")):
            Display().warning(warning)
        api = CortexAPI(client)
        listed = api.find_tenants()
        wanted = self.get_option("codes")
        if wanted:
            folded = set(code.casefold() for code in wanted)
            listed = [t for t in listed if t["code"].casefold() in folded]
        with_users = self.get_option("with_users")
        workers = max(1, min(self.get_option("concurrency") or 8, 64))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(lambda summary: tenant_facts(api, summary["code"], with_users), listed))
        return without_partner(found)

    def populate(self, found):
        self.inventory.add_group(GROUP)
        strict = self.get_option("strict")
        for tenant in found:
            host = tenant["code"]
            self.inventory.add_host(host, group=GROUP)
            self.inventory.set_variable(host, "ansible_connection", "local")
            self.inventory.set_variable(host, "cortex_tenant", with_color(dict(tenant)))
            variables = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
