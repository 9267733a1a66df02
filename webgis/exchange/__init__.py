"""Real data in and out: household/person lists, police exchange (同增同减), geodata, exports."""
