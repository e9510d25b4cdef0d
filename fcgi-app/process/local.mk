# fcgi-app/process
