#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cortex_tenant
short_description: Manage a Cortex tenant (customer)
version_added: 1.0.0
description:
  - Creates, updates or removes a tenant (a customer, a "client" in the Cortex console) on Cortex through the CortexAPI,
    and provisions it.
  - The tenant is found by O(code) when given, else by its full name O(name).
  - Options left out are not managed. Lists (O(roles)) are compared as sets and replace the tenant's list.
  - Domains other than the primary one are managed with M(cloudforyou.cortex.cortex_domain).
  - Removing a tenant needs its users removed and its services deprovisioned first
    (see the role C(cloudforyou.cortex.client_offboarding)).
author:
  - cloudforyou infra team (@cloudforyou)
options:
  name:
    description:
      - Full name of the tenant, for example V(Boulangerie Martin SARL).
      - Letters, digits, spaces, dots and hyphens, 60 characters at most.
      - Required to create a tenant, and to find it when O(code) is not given.
    type: str
    aliases: [full_name]
  code:
    description:
      - The tenant's code (short name), 1 to 20 letters or digits. It cannot change.
      - When left out on create, Cortex generates it from the initials of O(name) (V(BMS) for V(Boulangerie Martin SARL))
        and the module returns it.
    type: str
  contact_name:
    description: Name of the tenant's contact. Required to create.
    type: str
  contact_email:
    description: E-mail address of the tenant's contact. Required to create.
    type: str
  address:
    description: Street address. Required to create.
    type: str
  city:
    description: City. Required to create.
    type: str
  zip_code:
    description: Postal code. Required to create.
    type: str
  country:
    description: Country, by name (V(France)). Required to create.
    type: str
  primary_domain:
    description:
      - The primary domain. Required to create. Internationalised names are converted to punycode.
      - Changing it on an existing tenant adds the domain if needed and makes it primary.
    type: str
  allow_rename:
    description:
      - A tenant found by O(code) whose full name is not O(name) belongs, as far as the module can tell, to another
        client (a mistyped code is enough), so by default the task is refused before anything is written.
      - Set V(true) to rename the tenant with that code to O(name) deliberately.
    type: bool
    default: false
  password_never_expires:
    description:
      - Whether the tenant allows passwords that never expire (the console's advanced property).
    type: bool
  min_password_length:
    description: Minimum length of the passwords of the tenant's users (Cortex's default is 8).
    type: int
  roles:
    description:
      - The roles the tenant's users may be given (the tenant's allowed roles), by name.
      - Replaces the tenant's list. Cortex's default list is kept when left out.
    type: list
    elements: str
  state:
    description:
      - V(present) creates or updates the tenant and (re)provisions it; a tenant whose provisioning V(Failed) is provisioned again.
      - V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - cloudforyou.cortex.cortex
  - cloudforyou.cortex.cortex.wait
  - cloudforyou.cortex.cortex.attributes
notes:
  - A create without O(code) is protected against duplicates even when its answer is lost, because the module
    reads the tenant again by name before writing again.
seealso:
  - module: cloudforyou.cortex.cortex_domain
  - module: cloudforyou.cortex.cortex_tenant_info
"""

EXAMPLES = r"""
- name: Create the tenant of Boulangerie Martin, as in the partner guide
  cloudforyou.cortex.cortex_tenant:
    cortex_url: https://admin.cloudforyou.fr
    cortex_username: "{{ cortex_username }}"
    cortex_password: "{{ cortex_password }}"
    name: Boulangerie Martin SARL
    contact_name: Paul Martin
    contact_email: paul@boulangerie-martin.fr
    address: 12 rue des Lilas
    city: Lyon
    zip_code: "69003"
    country: France
    primary_domain: boulangerie-martin.fr
    password_never_expires: true
  register: tenant

- name: Show the generated code
  ansible.builtin.debug:
    msg: "{{ tenant.tenant.code }} is {{ tenant.tenant.status }}"

- name: Connection set once for the play (credentials from CORTEX_* variables or an AWX credential)
  module_defaults:
    group/cloudforyou.cortex.cortex:
      cortex_url: https://admin.cloudforyou.fr
  block:
    - name: Restrict the roles the tenant may hand out
      cloudforyou.cortex.cortex_tenant:
        code: BMS
        roles:
          - Customer Administrator
          - Exchange Users

    - name: Remove a tenant (its users and services must be gone)
      cloudforyou.cortex.cortex_tenant:
        code: OLD1
        state: absent
"""

RETURN = r"""
tenant:
  description: The tenant after the task (before it, in check mode); empty once removed.
  returned: always
  type: dict
  contains:
    code:
      description: The tenant's code (in check mode, the code Cortex would generate).
      type: str
      sample: BMS
    id:
      description: Cortex's numeric id.
      type: int
      sample: 34
    name:
      description: Full name.
      type: str
      sample: Boulangerie Martin SARL
    primary_domain:
      description: Primary domain.
      type: str
      sample: boulangerie-martin.fr
    domains:
      description: All the tenant's domains, the primary one included.
      type: list
      elements: str
      sample: [boulangerie-martin.fr, martin-patisserie.com]
    roles:
      description: The tenant's allowed roles.
      type: list
      elements: str
    status:
      description: Cortex provisioning status (V(NotProvisioned), V(Requested), V(InProgress), V(Provisioned), V(Failed), V(Pending)).
      type: str
      sample: Provisioned
    status_color:
      description: The colour the console shows for O(ignore:status) (grey, yellow, orange, green, red, blue).
      type: str
      sample: green
action:
  description: What the task did (or would do in check mode).
  returned: always
  type: str
  sample: create
  choices: [create, update, reprovision, delete, none]
request_ids:
  description: Ids of the provisioning requests the task started.
  returned: always
  type: list
  elements: int
  sample: [45012]
note:
  description: A remark on what happened, for example when a lost answer was resolved by reading the tenant again.
  returned: when there is one
  type: str
"""

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_client import CortexError
from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import CortexModule, Entity, Field, Item
from ansible_collections.cloudforyou.cortex.plugins.module_utils import cortex_validation as rules

REQUIRED_TO_CREATE = ("name", "contact_name", "contact_email", "address", "city", "zip_code", "country",
                      "primary_domain")


class Tenant(Entity):
    kind = "tenant"
    fields = (
        Field("code", create_only=True),
        Field("name"),
        Field("contact_name"),
        Field("contact_email", "ci"),
        Field("address"),
        Field("city"),
        Field("zip_code"),
        Field("country", "ci"),
        Field("primary_domain", "ci"),
        Field("password_never_expires", "bool"),
        Field("min_password_length", "int"),
        Field("roles", "ci_set"),
    )

    def check(self, item):
        desired = item.desired
        problems = []
        if desired.get("code") is not None:
            problems += rules.code_problems(desired["code"])
        if desired.get("name") is not None:
            problems += rules.full_name_problems(desired["name"])
        if desired.get("contact_email") is not None:
            problems += rules.email_problems(desired["contact_email"])
        if desired.get("primary_domain") is not None:
            domain_issues = rules.domain_problems(desired["primary_domain"])
            problems += domain_issues
            if not domain_issues:
                desired["primary_domain"] = rules.normalize_domain(desired["primary_domain"])
        if desired.get("min_password_length") is not None and not 0 <= desired["min_password_length"] <= 99999:
            problems.append("min_password_length must be between 0 and 99999")
        if desired.get("roles") is not None and not all(desired["roles"]):
            problems.append("roles holds an empty name")
        return problems

    def read(self, item):
        code, name = item.desired.get("code"), item.desired.get("name")
        found = self.api.find_tenants(code=code) if code else self.api.find_tenants(name=name)
        if len(found) > 1:
            codes = ", ".join(t["code"] for t in found)
            raise CortexError("several tenants are named '%s' (codes %s): give code" % (name, codes))
        return self.api.get_tenant(found[0]["code"]) if found else None

    def check_plan(self, item):
        renamed = item.action == "update" and "name" in item.changes \
            and item.current["name"].casefold() != item.desired["name"].casefold()
        if renamed and item.desired.get("code") and not self.module.params["allow_rename"]:
            return ["code '%s' is the tenant '%s', not '%s': check the code, or set allow_rename: true to rename "
                    "that tenant" % (item.current["code"], item.current["name"], item.desired["name"])]
        if item.action != "create":
            return []
        missing = [name for name in REQUIRED_TO_CREATE if item.desired.get(name) is None]
        return ["%s required to create the tenant" % ", ".join(missing)] if missing else []

    def create(self, item):
        request_ids = self.api.create_tenant(item.desired)
        if not item.desired.get("code"):
            # The server generated the code: learn it by the full name, which is unique per partner.
            found = self.api.find_tenants(name=item.desired["name"])
            if found:
                item.changes["code"] = found[0]["code"]
        return request_ids

    def update(self, item):
        return self.api.update_tenant(item.current["code"], item.changes)

    def reprovision(self, item):
        return self.api.update_tenant(item.current["code"], {})

    def delete(self, item):
        return self.api.delete_tenant(item.current["code"])

    def present(self, item):
        shown = super(Tenant, self).present(item)
        if item.action == "create" and not shown.get("code") and self.module.check_mode:
            shown["code"] = self.predicted_code(item.desired["name"])
        if item.action == "create" and shown:
            shown.setdefault("domains", [shown.get("primary_domain")])
        return shown

    def predicted_code(self, name):
        """The code Cortex would generate, skipping the codes of tenants we can see."""
        base = rules.generated_code(name)
        candidate, suffix = base, 1
        while self.api.find_tenants(code=candidate):
            suffix += 1
            candidate = "%s%d" % (base, suffix)
        return candidate


def main():
    module = CortexModule(
        argument_spec=dict(
            name=dict(type="str", aliases=["full_name"]),
            code=dict(type="str"),
            contact_name=dict(type="str"),
            contact_email=dict(type="str"),
            address=dict(type="str"),
            city=dict(type="str"),
            zip_code=dict(type="str"),
            country=dict(type="str"),
            primary_domain=dict(type="str"),
            password_never_expires=dict(type="bool", no_log=False),
            min_password_length=dict(type="int", no_log=False),
            roles=dict(type="list", elements="str"),
            allow_rename=dict(type="bool", default=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        required_one_of=[("name", "code")],
    )
    tenant = Tenant(module)
    desired = dict((field.name, module.params[field.name]) for field in Tenant.fields)
    item = Item("tenant '%s'" % (module.params["code"] or module.params["name"]), desired, module.params["state"])
    module.reconcile(tenant, [item])
    module.finish(tenant, [item], "tenant")


if __name__ == "__main__":
    main()
