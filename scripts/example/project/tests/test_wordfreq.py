from wordfreq import count, render


def test_count_orders_by_frequency_then_alphabet():
    assert count("b a b c a b") == [("b", 3), ("a", 2), ("c", 1)]


def test_render():
    assert render([("a", 2)]) == "      2 a\n"
