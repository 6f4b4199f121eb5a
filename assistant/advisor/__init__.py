"""The counselor's advisor: answer generators, prompt rendering, grounding check, abstention."""
