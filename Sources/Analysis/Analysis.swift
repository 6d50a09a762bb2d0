// The Analysis stage; see README.md (Architecture).
