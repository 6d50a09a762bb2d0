// The MQTTCodec stage; see README.md (Architecture).
