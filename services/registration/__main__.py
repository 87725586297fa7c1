from service_runtime.serve import serve
from services.registration.app import create_app

serve(create_app, "registration", 8001)
