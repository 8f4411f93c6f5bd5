# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One declaration per field: the module option, how values compare, where the field lives on the wire, its docs.

A :class:`Field` is the single place that knows a field. From a list of fields come:

* the modules' argument spec (:func:`argument_spec`), and the options of the doc fragments (:func:`doc_options`);
* the comparison the engine makes between what exists and what is asked (:meth:`Field.differs`);
* the diff view (secrets masked);
* the wire mapping (:func:`parse` reads an object's XML, :func:`render` writes the children of a SET), in the
  element order of docs/protocol.md.

Adding a field to users is one ``Field(...)`` line in :data:`USER_FIELDS` (and the emulator, and a test).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_validation import domain_key, upn_key

SECRET_MASK = "********"


# ---------------------------------------------------------------- where a field lives in the XML

def _text(node, path):
    if node is None:
        return None
    value = node.findtext(path)
    return value.strip() if value is not None else None


def to_bool(text):
    if text is None:
        return None
    return text.strip().lower() == "true"


def to_int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class Tag(object):
    """A child element, possibly nested (``password/minimumlength``). When reading differs from writing,
    ``read_path`` is where the value is read and ``convert`` turns its text into the value."""

    def __init__(self, path, read_path=None, convert=None):
        self.path = path
        self.parent, dummy, self.tag = path.rpartition("/")
        self.read_path = read_path or path
        self.convert = convert

    def get(self, node, kind):
        text = _text(node, self.read_path)
        if self.convert is not None:
            return self.convert(text)
        if kind == "bool":
            return to_bool(text)
        if kind == "int":
            return to_int(text)
        return text

    def present(self, node):
        return node.find(self.read_path) is not None

    def put(self, value):
        return (self.tag, value)


class Names(Tag):
    """A list of texts: ``<roles><role>A</role><role>B</role></roles>``."""

    def __init__(self, path, item):
        super(Names, self).__init__(path)
        self.item = item

    def get(self, node, kind):
        holder = node.find(self.path)
        if holder is None:
            return None
        return [(child.text or "").strip() for child in holder.findall(self.item) if (child.text or "").strip()]

    def put(self, value):
        return (self.tag, [(self.item, v) for v in value])


class Prop(Tag):
    """An extended property: ``<properties><property><name>City</name><value>Lyon</value></property></properties>``."""

    def __init__(self, name):
        super(Prop, self).__init__("properties/property")
        self.name = name

    def get(self, node, kind):
        for prop in node.findall("properties/property"):
            if _text(prop, "name") == self.name:
                return _text(prop, "value")
        return None

    def present(self, node):
        return node.find("properties") is not None

    def put(self, value):
        return ("property", [("name", self.name), ("value", value)])


# ---------------------------------------------------------------- the declaration

class Field(object):
    """A field of an object the collection manages.

    ``kind`` is the option type and the comparison: ``str`` (exact), ``ci`` (case-insensitive text), ``bool``,
    ``int``, ``set`` / ``ci_set`` (lists compared as sets), ``upn``, ``domain`` / ``domain_set`` (compared with the
    domain in punycode, case-insensitive: an IDN listed in Unicode is the same name). ``secret`` fields are write-only: never read back,
    never compared, masked in diffs, ``no_log``. ``create_only`` fields are sent on create and never compared.
    ``detail`` fields come back only from a GET (a FIND summary lacks them). ``wire`` is where the field lives in
    the XML (None: not a field of the object's own XML). ``doc`` is the option's description.
    """

    def __init__(self, name, kind="str", wire=None, doc=None, secret=False, create_only=False, detail=False,
                 choices=None, default=None, aliases=None, no_log=None, raw=False):
        self.name = name
        self.kind = kind
        self.wire = wire
        self.doc = doc
        self.secret = secret
        self.create_only = create_only
        self.detail = detail
        self.choices = choices
        self.default = default
        self.aliases = aliases
        self.no_log = secret if no_log is None else no_log
        # raw: the option keeps what YAML gave (a number, a list), so that the module can refuse it by name instead
        # of Ansible turning it into text (a postcode 01000 read as 512, a password given as a list)
        self.raw = raw

    @property
    def option_type(self):
        if self.raw:
            return "raw"
        return {"ci": "str", "upn": "str", "domain": "str", "set": "list", "ci_set": "list",
                "domain_set": "list"}.get(self.kind, self.kind)

    @property
    def compared(self):
        return not (self.secret or self.create_only)

    @property
    def extended(self):
        """Stored as an extended property: read only when the read asks for the object's properties."""
        return isinstance(self.wire, Prop)

    def spec(self):
        spec = dict(type=self.option_type)
        if self.option_type == "list":
            spec["elements"] = "str"
        for key in ("choices", "default", "aliases"):
            if getattr(self, key) is not None:
                spec[key] = getattr(self, key)
        if self.no_log or "pass" in self.name or "expire" in self.name:
            spec["no_log"] = self.no_log  # explicit either way: ansible-test asks for it on password-like names
        return spec

    def normalize(self, value):
        if value is None:
            return None
        if self.kind == "ci":
            return str(value).casefold()
        if self.kind == "set":
            return frozenset(value)
        if self.kind == "ci_set":
            return frozenset(str(v).casefold() for v in value)
        if self.kind == "upn":
            return upn_key(value)
        if self.kind == "domain":
            return domain_key(value)
        if self.kind == "domain_set":
            return frozenset(domain_key(v) for v in value)
        if self.kind == "int":
            return int(value)
        return value

    def differs(self, current, desired):
        return self.normalize(current) != self.normalize(desired)

    def shown(self, value):
        """The value as a diff shows it."""
        if self.secret:
            return SECRET_MASK
        if self.kind in ("set", "ci_set", "domain_set"):
            return sorted(value)
        return value


# ---------------------------------------------------------------- what is derived from declarations

def argument_spec(fields, **overrides):
    """Module options from fields; ``overrides`` replaces or adds options by name (``upn=dict(required=True)``)."""
    spec = dict((field.name, field.spec()) for field in fields)
    for name, extra in overrides.items():
        spec[name] = dict(spec.get(name, {}), **extra)
    return spec


def doc_options(fields):
    """The ``options`` of a doc fragment, from the fields' docs (the same declaration as the argument spec)."""
    options = {}
    for field in fields:
        spec = field.spec()
        entry = dict(description=field.doc, type=spec["type"])
        for key in ("elements", "choices", "default", "aliases"):
            if key in spec:
                entry[key] = spec[key]
        options[field.name] = entry
    return options


def parse(node, fields):
    """An object as a dict keyed by option names, from its XML; fields absent from the node are left out."""
    values = {}
    for field in fields:
        if field.wire is not None and not field.secret and field.wire.present(node):
            values[field.name] = field.wire.get(node, field.kind)
    return values


def render(values, fields):
    """The children of a SET for the fields present in ``values`` (None is left out), in declaration order.

    Nested paths share one parent element (``password`` holds ``password``, ``changeatnextlogon``...), placed where
    its first field is; properties go into one ``<properties>``.
    """
    children, groups = [], {}
    for field in fields:
        if field.wire is None or values.get(field.name) is None:
            continue
        piece = field.wire.put(values[field.name])
        parent = field.wire.parent
        if not parent:
            children.append(piece)
            continue
        if parent not in groups:
            groups[parent] = []
            children.append((parent.split("/")[0], groups[parent]))
        groups[parent].append(piece)
    return children


def diff_view(obj, fields):
    """The managed fields of an object as shown in a diff (secrets masked, sets sorted)."""
    if not obj:
        return {}
    return dict((f.name, f.shown(obj[f.name])) for f in fields if obj.get(f.name) is not None)


def changes(current, desired, fields):
    """The compared fields whose desired value (not None) differs from the current one."""
    found = {}
    for field in fields:
        value = desired.get(field.name)
        if value is not None and field.compared and field.differs(current.get(field.name), value):
            found[field.name] = value
    return found


# ---------------------------------------------------------------- the fields of tenants and users

def _never_expires(expires):
    """``password/expires`` of a user's detail: ``Never``, or the date the password expires."""
    return None if expires is None else expires.lower() == "never"


TENANT_FIELDS = (
    Field("code", wire=Tag("name"), create_only=True, doc=[
        "The tenant's code (short name), 1 to 20 letters or digits. It cannot change.",
        "When left out on create, Cortex generates it from the initials of O(name) (V(BMS) for "
        "V(Boulangerie Martin SARL)) and the module returns it."]),
    Field("name", wire=Tag("fullname"), aliases=["full_name"], doc=[
        "Full name of the tenant, for example V(Boulangerie Martin SARL).",
        "Letters, digits, spaces, dots and hyphens, 60 characters at most.",
        "Required to create a tenant, and to find it when O(code) is not given."]),
    Field("contact_name", wire=Tag("contactname"), detail=True, doc="Name of the tenant's contact. Required to create."),
    Field("contact_email", "ci", wire=Tag("contactemail"), detail=True,
          doc="E-mail address of the tenant's contact. Required to create."),
    Field("primary_domain", "domain", wire=Tag("primarydomain"), doc=[
        "The primary domain. Required to create. Internationalised names are converted to punycode.",
        "Changing it on an existing tenant adds the domain if needed and makes it primary."]),
    Field("address", wire=Tag("address"), detail=True, doc="Street address. Required to create."),
    Field("domains", "ci_set", wire=Names("domains", "domain"), detail=True),
    Field("min_password_length", "int", wire=Tag("password/minimumlength"), detail=True, no_log=False,
          doc="Minimum length of the passwords of the tenant's users, 8 to 256 (Cortex's default is 8)."),
    Field("password_never_expires", "bool", wire=Tag("password/allowneverexpires"), detail=True, no_log=False,
          doc="Whether the tenant allows passwords that never expire (the console's advanced property)."),
    Field("roles", "ci_set", wire=Names("roles", "role"), detail=True, doc=[
        "The roles the tenant's users may be given (the tenant's allowed roles), by name.",
        "Replaces the tenant's list. Cortex's default list is kept when left out."]),
    Field("city", wire=Prop("City"), detail=True, doc="City. Required to create."),
    Field("zip_code", wire=Prop("ZipCode"), detail=True, raw=True,
          doc="Postal code, as text - quote it (V(\"01000\")): YAML reads 01000 as a number. Five digits in France. "
              "Required to create."),
    Field("country", "ci", wire=Prop("Country"), detail=True, doc="Country, by name (V(France)). Required to create."),
)

USER_FIELDS = (
    Field("login", wire=Tag("name"), create_only=True, doc=[
        "Windows logon name. Cortex stores it as V(login_CODE), at most 20 characters, and it cannot change.",
        "Defaults to the part of the UPN before V(@), shortened to fit.",
        "A new user whose login is already taken in the tenant (by another user, or by another new user of the "
        "task) is refused before anything is written: give it a login of its own."]),
    Field("upn", "upn", wire=Tag("upn"), doc=[
        "User principal name, V(claire.dubois@boulangerie-martin.fr); its domain must be one of the tenant's domains.",
        "Identifies the user."]),
    Field("first_name", wire=Tag("firstname"), detail=True, doc="First name."),
    Field("last_name", wire=Tag("lastname"), detail=True, doc="Last name."),
    Field("display_name", wire=Tag("fullname"), doc="Display name. Defaults to O(first_name) and O(last_name) on create."),
    Field("password", wire=Tag("password/password"), secret=True, raw=True, doc=[
        "Password (text), required to create a user (or with O(update_password=always)); a user that exists is "
        "managed without it. Write-only - Cortex never returns it, so it cannot be compared.",
        "Sent on create only, unless O(update_password=always)."]),
    # Qualifies the password being set; the user clears it by changing the password, so it is never compared.
    Field("change_password_at_next_logon", "bool", wire=Tag("password/changeatnextlogon"), create_only=True,
          no_log=False, detail=True, doc=[
              "The user must change the password at next logon.",
              "It qualifies the password being set, so it is sent with it - on create, or on every run with "
              "O(update_password=always) - and never compared afterwards (the user clears it by changing the "
              "password)."]),
    Field("password_never_expires", "bool", wire=Tag("password/neverexpires", "password/expires", _never_expires), detail=True,
          no_log=False, doc=["The password never expires.",
                             "The tenant must allow it (O(cloudforyou.cortex.cortex_tenant#module:password_never_expires))."]),
    Field("roles", "ci_set", wire=Names("roles", "role"), detail=True, doc="Roles of the account, by name."),
    Field("enabled", "bool", wire=Tag("enabled"), detail=True, doc="Whether the account is enabled."),
    Field("mobile_phone", wire=Prop("mobile"), detail=True, doc="Mobile phone number (the user's AD attribute mobile)."),
)
# Hosted Exchange of a tenant (its Hosted Exchange organisation).
EXCHANGE_FIELDS = (
    Field("version", doc="Exchange version of the organisation, V(2010) or V(2013); it cannot change once provisioned."),
    Field("customer_plan", "ci", doc="The customer plan (V(Default))."),
    Field("user_plans", "ci_set", doc=[
        "The user plans (forfaits) the tenant's mailboxes may use; replaces the tenant's list.",
        "A plan still used by a mailbox cannot be removed."]),
)

# Read-only facts about a user that the info modules return.
USER_FACTS = (Field("locked", "bool", wire=Tag("locked")), Field("status", wire=Tag("status")))


def uses_extended(fields, entries):
    """Whether any entry (a dict of options) sets a field stored as an extended property."""
    extended = [f.name for f in fields if f.extended]
    return bool(extended) and any(entry.get(name) is not None for entry in entries if entry for name in extended)


def fields_without(fields, *names):
    unwanted = set(names)
    return tuple(f for f in fields if f.name not in unwanted)
