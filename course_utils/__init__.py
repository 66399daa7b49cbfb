"""Helpers for the deep learning course: run settings, data, plots and exercise checks."""

from course_utils.runtime import PROFILES, Course, setup

__all__ = ["PROFILES", "Course", "setup"]
__version__ = "0.1.0"
