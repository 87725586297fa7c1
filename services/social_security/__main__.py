from service_runtime.serve import serve
from services.social_security.app import create_app

serve(create_app, "social_security", 8014)
