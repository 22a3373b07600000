"""The code each lesson shows ("Show the code"): one generator module per lesson."""
