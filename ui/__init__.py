"""Streamlit pages of the InvestMap app (UI only: they call geo/, layers/ and webmap/)."""
