"""The parties and their settings: who belongs to the register, and what is released to them."""
