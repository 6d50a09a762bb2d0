print("mqscope")
