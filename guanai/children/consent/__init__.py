"""Guardian consent (监护人同意) per child and purpose, and the child's photo that needs it.

Features that use a child's data for a purpose needing consent ask `consent_given` or call
`consent_required` (guanai.children.consent.selectors) before they act.
"""
