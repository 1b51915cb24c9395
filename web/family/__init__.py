"""The family pages at /family: login, the chat widget host page and what it shows beside the chat."""
