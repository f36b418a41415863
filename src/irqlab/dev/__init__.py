"""Tools for the course's authors: `irqlab dev check` proves the course whole, `irqlab dev
new` writes the skeleton of a lab. Each problem names the lab, the file and the fix."""
