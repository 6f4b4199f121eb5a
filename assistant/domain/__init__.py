"""The abstention's topic check: is a question about what the manuals cover at all (``model``), and how
the model is trained on labelled questions (``training``)."""
