// The PacketCapture stage; see README.md (Architecture).
