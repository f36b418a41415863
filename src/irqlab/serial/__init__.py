"""Real boards over a serial line (mpremote), and a virtual board that speaks the same protocol."""
