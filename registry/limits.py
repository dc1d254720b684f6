"""How much one write may carry: every list a request sends is capped here, once, for the pages,
the API and the services alike (a PUT of 20,000 classes took 20 s and made the class page
unusable). Generous for any real institution; an attempt beyond them is a clear error."""

MAX_CLASSES = 50  # classes of one filing
MAX_QUALIFICATIONS = 20  # certificates of one staff member
MAX_RETURN_REASONS = 50  # items of one return notice (the failed checks are added on top)
MAX_REASON_LENGTH = 500  # characters of one return item (and of one reason of a non-compliance decision)
MAX_BASIS_LENGTH = 1000  # characters of the legal basis of a non-compliance decision
MAX_DOCUMENTS_PER_FILING = 60  # uploaded scans of one filing
MAX_ACTIVE_STAFF = 500  # people on one institution's roster who have not left

__all__ = ["MAX_ACTIVE_STAFF", "MAX_BASIS_LENGTH", "MAX_CLASSES", "MAX_DOCUMENTS_PER_FILING", "MAX_QUALIFICATIONS", "MAX_REASON_LENGTH",
           "MAX_RETURN_REASONS"]
