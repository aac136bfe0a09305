//! Contract tests against the official Azure specs in `../shared/azure` (see tests/).
