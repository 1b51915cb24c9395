"""Family chat transcripts: one ``Chat`` per conversation with the assistant, its messages in order, and
what the conversation produced (orders, handoff tickets). Written by the family chat proxy for the member
typing; read by the family page (its own history) and by operators (``backend.access.chats``)."""
