"""The family pages at /family: login and registration, linking to an elder (pending until the
elder or an operator agrees), the chat widget's host page with each consented elder's balance,
stars, open orders and certificate, the chat proxy to the assistant, and an embedding demo."""
