# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cloudforyou infra team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which secrets occur in a result (cortex_module.occurring): exactly those a substring search per secret finds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.cloudforyou.cortex.plugins.module_utils.cortex_module import occurring


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
