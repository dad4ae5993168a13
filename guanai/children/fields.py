"""Which fields of a child's file an entry sets: one list each, which the child form, the
services that write a child (and the history they keep) and the roster's columns derive
theirs from.

Every other field of `Child` is set by a service of its own (the exit below, the review,
the anonymisation), derived from these (derived.child_derive: the left-behind facts,
what the file lacks, the search keys) or kept by the system (who registered it, when).
`tests/test_fields.py` fails when a field added to `Child` is in none of these places.
"""

# The child's own fields an entry (the form, a roster row, a later API call) may set, in
# the model's order: the order of an update's changes in its history entry.
CHILD_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "hukou_area",
    "hukou_rural",
    "village",
    "address",
    "health",
    "disability_category",
    "disability_grade",
    "illness",
    "schooling",
    "school",
    "grade",
    "class_name",
    "boarding",
    "guardian_relationship",
    "entrustment_confirmed_on",
    "guardianship_type",
    "assessment",
    "income_sources",
    "assistance",
    "responsible_teacher",
    "director",
    "risk_level",
    "concerns",
)
# A family member's fields an entry may set (the form asks a parent or guardian fewer of
# them, a grandparent others: forms.PersonForm, forms.GrandparentForm).
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "away_for_work",
    "work_province",
    "work_city",
    "able_to_guard",
    "incapacity",
    "health_note",
)
# Kept encrypted, shown masked, and left as they are when an entry leaves them blank
# (forms never show them in clear).
SECRET_FIELDS = frozenset({"id_number", "phone", "address"})

# What an exit sets, and its history entry records old → new: not typed into the file but
# by an exit (services.child_exit) and undone by a restore. The anonymisation keeps the
# values of all but the note (children.anonymise): they are the evidence of the exit.
EXIT_FIELDS = ("status", "exit_reason", "exited_on", "exit_note")
