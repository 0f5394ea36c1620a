"""Small-cell suppression, primary and complementary."""

from complaints.reporting.suppression import figure, suppress


def values(cells):
    return {cell.label: cell.value for cell in cells}


def test_counts_of_ten_or_more_are_published():
    cells, total = suppress({"a": 10, "b": 30})
    assert values(cells) == {"a": 10, "b": 30} and total == 40


def test_a_lone_small_count_takes_the_next_smallest_with_it():
    cells, total = suppress({"a": 4, "b": 12, "c": 50})
    assert values(cells) == {"a": None, "b": None, "c": 50} and total == 66


def test_withheld_counts_that_add_up_to_under_ten_take_another_with_them():
    cells, _total = suppress({"a": 2, "b": 3, "c": 11, "d": 40})
    assert values(cells) == {"a": None, "b": None, "c": None, "d": 40}


def test_two_withheld_counts_adding_up_to_ten_are_enough():
    cells, _total = suppress({"a": 4, "b": 6, "c": 40})
    assert values(cells) == {"a": None, "b": None, "c": 40}


def test_a_small_total_withholds_everything():
    cells, total = suppress({"a": 4, "b": 5})
    assert total is None and all(cell.suppressed for cell in cells)


def test_a_figure_resting_on_few_complaints_is_withheld():
    assert figure(3.5, 9) is None and figure(3.5, 10) == 3.5
