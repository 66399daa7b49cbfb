"""nbgrader's own workflow on the course notebooks, unchanged (README, "For instructors").

The committed notebooks already carry nbgrader's cell metadata (`make outputs` / `assignments tag` write it), so
they are nbgrader *source* notebooks as they are. From the folder holding this file:

    mkdir -p source/ps1 && cp notebooks/07_*.ipynb source/ps1/
    nbgrader generate_assignment ps1        # release/ps1/: solutions and hidden tests removed
    # collect submissions into submitted/<student>/ps1/
    nbgrader autograde ps1                  # autograded/<student>/ps1/: checks restored and executed
    nbgrader export                         # grades.csv
    nbgrader formgrader / generate_feedback as usual

nbgrader runs each submission in a plain kernel on this machine: the sandbox, limits and tamper checks of
`make grade` are not there (run nbgrader inside a container for untrusted submissions, see the README).
"""

c = get_config()  # noqa: F821 - nbgrader provides it

c.CourseDirectory.course_id = "deep-learning-course"
# The realness tests' wrong answers (cell metadata "course") stay with the instructor.
c.GenerateAssignment.preprocessors = [
    "course_utils.grading.DropCourseMetadata",
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Execute.timeout = 300  # seconds per cell: the full-profile trainings take a while
c.Execute.interrupt_on_timeout = True
