"""One router per resource: analyses, FHIR DocumentReference, health, and the upload page."""
