from assist.core.render import (
    customer_context,
    data_slot_names,
    has_human_slot,
    render,
    strip_slots,
    template_problems,
)


def test_known_data_slots_are_filled_and_unknown_ones_reported_with_spans():
    rendered = render(
        "Hi {{customer_name}}, order {{order_id}}: [[what you found]].", {"customer_name": "Sara"}
    )
    assert rendered.text == "Hi Sara, order {{order_id}}: [[what you found]]."
    assert rendered.filled == ("customer_name",)
    data, human = rendered.slots
    assert (data.kind, data.name) == ("data", "order_id")
    assert rendered.text[data.start : data.end] == "{{order_id}}"
    assert (human.kind, human.hint) == ("human", "what you found")
    assert rendered.text[human.start : human.end] == "[[what you found]]"


def test_human_slots_are_never_filled_even_if_context_has_the_hint():
    rendered = render("[[name]] {{name}}", {"name": "Ali"})
    assert rendered.text == "[[name]] Ali"
    assert [s.kind for s in rendered.slots] == ["human"]


def test_spans_are_right_in_persian_text():
    template = "{{customer_name}} عزیز، سفارش {{order_id}}: [[وضعیت]]"
    rendered = render(template, {"customer_name": "سارا"})
    for slot in rendered.slots:
        assert rendered.text[slot.start : slot.end] in ("{{order_id}}", "[[وضعیت]]")


def test_values_are_inserted_literally_never_rescanned():
    rendered = render("Dear {{customer_name}}", {"customer_name": "{{order_id}} [[x]] {0} %s"})
    assert rendered.text == "Dear {{order_id}} [[x]] {0} %s"
    assert rendered.slots == ()


def test_customer_context_maps_names_and_drops_non_scalars():
    context = customer_context(
        {"name": "  Sara \n Ahmadi ", "order_id": 1042, "tags": ["vip"], "vip": True, "empty": ""}
    )
    assert context == {
        "name": "Sara Ahmadi",
        "customer_name": "Sara Ahmadi",
        "order_id": "1042",
        "customer_order_id": "1042",
    }
    assert len(customer_context({"name": "x" * 1000})["name"]) == 200


def test_template_problems():
    assert template_problems("Hi {{customer_name}} [[reflect]]") == []
    assert any("empty human slot" in p for p in template_problems("[[  ]]"))
    assert any("malformed data slot" in p for p in template_problems("{{Order Id}}"))
    assert any("unbalanced" in p for p in template_problems("[[open"))
    assert any("unbalanced" in p for p in template_problems("close}}"))


def test_helpers():
    template = "Hi {{customer_name}}, [[note]] bye {{order_id}}"
    assert data_slot_names(template) == ["customer_name", "order_id"]
    assert has_human_slot(template)
    assert strip_slots(template) == "Hi , bye"
