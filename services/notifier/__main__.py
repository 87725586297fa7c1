from service_runtime.serve import serve
from services.notifier.app import create_app

serve(create_app, "notifier", 8002)
