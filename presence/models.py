"""在岗在位: spot checks, check-in evidence, leave, the three-absences rule and county notices."""
