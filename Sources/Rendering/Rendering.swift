// The Rendering stage; see README.md (Architecture).
