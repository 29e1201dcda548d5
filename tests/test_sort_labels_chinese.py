"""Every sort choice of the list pages is labelled in Chinese, ascending and descending ("Unit", "Region",
"Secretary" came from OrderingFilter labels keyed by the parameter instead of the model field)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SORTED_LISTS = ("villages:village_list", "secretaries:secretary_list", "secretaries:assignment_list",
                "secretaries:unit_list", "tasks:task_list")


@pytest.mark.parametrize("name", SORTED_LISTS)
def test_every_sort_choice_is_chinese(world, login, name):
    page = login(world.users.town_a).get(reverse(name)).content.decode()
    select = re.search(r'<select name="ordering".*?</select>', page, re.S)
    assert select, name
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select[0])
    assert len(labels) > 2 and not [label for label in labels if re.search(r"[A-Za-z]", label)], labels
