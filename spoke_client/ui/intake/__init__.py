"""The intake wizard: one module per page, ``wizard.IntakeWizard`` ties them together."""
