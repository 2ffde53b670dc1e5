"""The citizens' side (issue 18): online letters, tracking by code and PIN, published results,
satisfaction answers, registrations for public reception sessions and notices to citizens."""
