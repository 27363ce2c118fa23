"""Reference data: the parties and their organizations, points of contact, priority areas and
topics, meetings and the statements. The tables, their schemas and the reads others build on.

They live together, below the register, because the register is built on them, while the
use cases that show them with the register (`app.areas`, `app.contacts`, `app.documents`,
`app.meetings`, `app.parties`) sit above it."""
