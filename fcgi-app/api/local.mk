# fcgi-app/api
