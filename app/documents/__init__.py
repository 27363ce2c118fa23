"""The statements, as the desks read them: each with what the register holds of it."""
