"""The journey domain: templates, the interview session, quick-entry parsing,
sanitising and the journey-map model. No I/O of its own, and never Textual."""
