"""The knowledge editor's workflow: change entries safely, audit every change, make it searchable at once."""
