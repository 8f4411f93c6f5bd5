# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which secrets occur in a result (cortex_module.occurring): exactly those a substring search per secret finds; in a
whole result (occurring_in_result): at least those, as Ansible's masking compares them with the result's values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import (
    occurring, occurring_in_result, output_strings)


def brute_force(secrets, texts):
    return set(secret for secret in secrets if secret and any(secret in text for text in texts))


@pytest.mark.parametrize("others", [0, 300])  # searched for one by one, and in one pass
def test_whole_inside_at_either_end_and_absent(others):
    secrets = {"Kx7-m!Tp9q", "Kx7-m!Tp9z", "Zz9-absent!", "Él0dïe-Pw", "", "42", "4207"}
    secrets |= set("absent-%04d-pw" % i for i in range(others))
    texts = ["Kx7-m!Tp9q", "error: Kx7-m!Tp9zz refused", "pw=Él0dïe-Pw", "created 42", "None", "Kx7-m!Tp9"]
    assert occurring(secrets, texts) == {"Kx7-m!Tp9q", "Kx7-m!Tp9z", "Él0dïe-Pw", "42"}
    assert occurring(secrets, []) == set()
    assert occurring(set(), texts) == set()


@pytest.mark.parametrize("count", [20, 400])  # searched for one by one, and in one pass
def test_same_as_a_search_per_secret_on_random_texts(count):
    rng = random.Random(7)
    alphabet = "abcAB01-!é\x00 "
    for dummy in range(300 if count < 100 else 30):
        secrets = set("".join(rng.choice(alphabet) for dummy in range(rng.randint(1, 12))) for dummy in range(count))
        texts = ["".join(rng.choice(alphabet) for dummy in range(rng.randint(0, 40))) for dummy in range(30)]
        texts += [rng.choice(sorted(secrets))[1:], "x" + rng.choice(sorted(secrets)) + "y"]
        assert occurring(secrets, texts) == brute_force(secrets, texts)


def test_in_a_result_a_secret_is_found_as_json_escapes_it_and_in_the_messages():
    result = {"jobs": [{"ref": {"upn": 'a"b\\c\n\u00e9'}, "status": "Provisioned", "id": 4207}], "changed": True,
              "msg": None}
    secrets = {'a"b', 'b\\c', "c\né", "4207", "Provisioned2", "zzz", "in a warning", ""}
    assert occurring_in_result(secrets, result, ["Cortex said: in a warning"]) == \
        {'a"b', 'b\\c', "c\né", "4207", "in a warning"}
    assert occurring_in_result({"True", "x"}, {"flag": True}) == {"True"}  # as Ansible's masking sees a boolean
    assert occurring_in_result({"1", "pair"}, {(1, 2): "pair as a key"}) == {"pair"}  # no JSON: value by value


@pytest.mark.parametrize("count", [5, 300])  # one JSON text, and a pass over the strings
def test_in_a_result_every_secret_a_search_per_value_finds_is_found(count):
    rng = random.Random(11)
    alphabet = 'ab"\\\n\x00é€😀 01'

    def text():
        return "".join(rng.choice(alphabet) for dummy in range(rng.randint(0, 10)))

    def value(depth=0):
        kind = rng.randint(0, 6 if depth < 3 else 3)
        if kind == 0:
            return rng.choice([True, False, None, rng.randint(-50, 5000), 1.5])
        if kind <= 3:
            return text()
        if kind <= 5:
            return [value(depth + 1) for dummy in range(rng.randint(0, 4))]
        return dict((text(), value(depth + 1)) for dummy in range(rng.randint(0, 4)))

    for dummy in range(200 if count < 100 else 20):
        result = dict(("k%d" % i, value()) for i in range(5))
        strings = list(output_strings(result))
        secrets = set(text() for dummy in range(count))
        secrets |= set(rng.choice(strings)[rng.randint(0, 2):] for dummy in range(3) if strings)
        messages = [text()]
        found = occurring_in_result(secrets, result, messages)
        assert found >= brute_force(secrets, strings + messages)
