"""Answer sheets: reading values, safe expressions, tolerances and marking.

``check_sheet`` gives a student instant feedback on ``answers.toml``; ``grade_sheet`` grades
one sheet in a batch. sympy is imported only when an expression part is compared.
"""

from grader.answers.api import check_sheet, grade_sheet, part_points

__all__ = ["check_sheet", "grade_sheet", "part_points"]
