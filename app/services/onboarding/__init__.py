"""The first-run checklist: each role's next steps and whether they are done."""
