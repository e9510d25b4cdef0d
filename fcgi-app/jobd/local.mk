# fcgi-app/jobd
