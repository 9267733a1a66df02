"""Code lists of the registration form (附件2) and of the campaign, kept as data."""
