import sys

from contracts.topology import NOTIFIER
from services.launch import main

sys.exit(main([NOTIFIER]))
