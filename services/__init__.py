"""Use cases of Pitbox: plain async Python over the models, no UI."""
